# user/bin: small programs shipped on the ISO (demos and kernel-test helpers).
USER_BIN_CFLAGS := -static -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Iuser/lib \
                   -Ikernel/include/uapi -Ilib/include -Iarch/x86_64/include

USER_BIN := hello exit0
USER_BIN_PATHS := $(addprefix $(BUILD)/user/,$(USER_BIN))
USER_PROGS += $(USER_BIN_PATHS)
ISO_MODULES += $(USER_BIN_PATHS)

$(BUILD)/user/%: user/bin/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $<"
	$(Q)$(MUSLCC) $(USER_BIN_CFLAGS) $< -o $@
