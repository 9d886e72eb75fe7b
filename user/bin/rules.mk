# user/bin: small programs in the image: /sbin/init (rtinit), demos and
# kernel-test helpers.
USER_GROUPS += ubin
ubin_DIR := user/bin
ubin_PROGS := hello exit0 init
ubin_CFLAGS := -Iuser/lib -Ikernel/include/uapi -Ilib/include
