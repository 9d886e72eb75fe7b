# user/bin: small programs shipped on the ISO (demos and kernel-test helpers).
USER_GROUPS += ubin
ubin_DIR := user/bin
ubin_PROGS := hello exit0
ubin_CFLAGS := -Iuser/lib -Ikernel/include/uapi -Ilib/include
