# The build rules, one per kind of artifact, written once. Every module's
# rules.mk only declares sources and flags in these lists; the Makefile
# includes the fragments, then this file turns the lists into rules.
#
#   kernel objects   KERNEL_C, KERNEL_ASM       -> $(BUILD)/k/<path>.o
#   host programs    HOST_TESTS, HOST_TOOLS     -> $(BUILD)/host/NAME
#                    NAME_SRCS, NAME_CFLAGS, NAME_LDFLAGS; NAME_VARIANTS may
#                    list asan and tsan, which add NAME_asan / NAME_tsan
#                    built with that sanitizer (HOST_TESTS are built by
#                    `make host-tests`, HOST_TOOLS on demand)
#   user programs    USER_GROUPS: each group G has G_DIR, G_PROGS (each
#                    G_DIR/NAME.c), G_COMMON (more sources), G_CFLAGS,
#                    G_LIBS (archives), G_DEPS (headers); G_NOIMAGE=1 keeps
#                    them off the ISO; G_LINUX=1 also builds each with the
#                    host compiler as $(BUILD)/host/linux/NAME (with
#                    G_LINUX_SRCS). The arch include path is added here:
#                    arch/x86_64 for musl builds, arch/host for the host.
#   libraries        USER_LIBS: each L has L_SRCS, L_CFLAGS -> $(BUILD)/user/L.a
#                    (static, musl)

# --- kernel objects ----------------------------------------------------------
$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(KASFLAGS) -MD $(@:.o=.d) -MP $< -o $@

# --- host programs -------------------------------------------------------------
SAN_asan := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_tsan := -fsanitize=thread

# host_prog NAME OUT EXTRA_FLAGS
define host_prog
$(BUILD)/host/$(2): $$($(1)_SRCS) $$(HOST_HARNESS) $$(HOST_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $$($(1)_CFLAGS) $(3) $$($(1)_SRCS) $$(HOST_HARNESS) \
		-o $$@ $$(HOST_LDFLAGS) $$($(1)_LDFLAGS) $(3)
endef

host_variants = $(1) $(foreach v,$($(1)_VARIANTS),$(1)_$(v))

$(foreach p,$(HOST_TESTS) $(HOST_TOOLS), \
	$(eval $(call host_prog,$(p),$(p),)) \
	$(foreach v,$($(p)_VARIANTS),$(eval $(call host_prog,$(p),$(p)_$(v),$(SAN_$(v))))))

HOST_TEST_BINS := $(addprefix $(BUILD)/host/,$(foreach p,$(HOST_TESTS),$(call host_variants,$(p))))

# --- user programs ---------------------------------------------------------------
# user_prog GROUP NAME
define user_prog
$(BUILD)/user/$(2): $$($(1)_DIR)/$(2).c $$($(1)_COMMON) $$($(1)_LIBS) $$($(1)_DEPS) $$(USER_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  MUSLCC  $$@"
	$$(Q)$$(MUSLCC) $$(USER_CFLAGS) $$($(1)_CFLAGS) -Iarch/x86_64/include $$< $$($(1)_COMMON) \
		$$($(1)_LIBS) -o $$@ $$(USER_LDFLAGS)
endef

# linux_prog GROUP NAME: the same program for the host's own Linux kernel
define linux_prog
$(BUILD)/host/linux/$(2): $$($(1)_DIR)/$(2).c $$($(1)_COMMON) $$($(1)_LINUX_SRCS) $$($(1)_DEPS) $$(USER_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(filter-out -static,$$(USER_CFLAGS)) $$($(1)_CFLAGS) -Iarch/host/include \
		$$< $$($(1)_COMMON) $$($(1)_LINUX_SRCS) -o $$@ -pthread
endef

$(foreach g,$(USER_GROUPS), \
	$(foreach p,$($(g)_PROGS),$(eval $(call user_prog,$(g),$(p)))) \
	$(if $($(g)_LINUX),$(foreach p,$($(g)_PROGS),$(eval $(call linux_prog,$(g),$(p))))))

USER_PROGS += $(foreach g,$(USER_GROUPS),$(addprefix $(BUILD)/user/,$($(g)_PROGS)))
IMAGE_PROGS += $(foreach g,$(USER_GROUPS),$(if $($(g)_NOIMAGE),,$(addprefix $(BUILD)/user/,$($(g)_PROGS))))
LINUX_PROGS := $(foreach g,$(USER_GROUPS),$(if $($(g)_LINUX),$(addprefix $(BUILD)/host/linux/,$($(g)_PROGS))))

# --- libraries -------------------------------------------------------------------
# user_lib NAME
define user_lib
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/user/$(1)/%.o,$$($(1)_SRCS))
$(BUILD)/user/$(1)/%.o: %.c $$($(1)_DEPS)
	@mkdir -p $$(dir $$@)
	@echo "  MUSLCC  $$<"
	$$(Q)$$(MUSLCC) $$(USER_CFLAGS) $$($(1)_CFLAGS) -Iarch/x86_64/include -c $$< -o $$@
$(BUILD)/user/$(1).a: $$($(1)_OBJS)
	@echo "  AR      $$@"
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef

$(foreach l,$(USER_LIBS),$(eval $(call user_lib,$(l))))
USER_PROGS += $(addprefix $(BUILD)/user/,$(addsuffix .a,$(USER_LIBS)))
