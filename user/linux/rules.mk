# user/linux: programs for the Linux VM (scripts/linux_vm.py), not for
# Ringtail's image: linux_init is /init there (make linux-run, the
# user-compare suite and make bench boot Debian's kernel with it).
USER_GROUPS += linuxvm
linuxvm_DIR := user/linux
linuxvm_PROGS := linux_init
linuxvm_NOIMAGE := 1
