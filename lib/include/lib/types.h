/* Fixed-width types shared by kernel, user and host code.
 * Only compiler-provided freestanding headers are used, never libc. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;  /* as Linux: printed with %llu/%llx */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef u64 paddr_t;   /* physical address */
typedef u64 vaddr_t;   /* virtual address */
