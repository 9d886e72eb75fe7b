# tests/: the test harness (tests/harness: the KTAP runner, its own tests,
# the host-side KTAP library every host test links) and the plans that
# span the whole system. Each module lists its own plans in its rules.mk.
TEST_PLANS += tests/plans/harness.plan tests/plans/kernel.plan tests/plans/smp.plan

# busybox's shell driven through the console (tests/shell/console.py).
TEST_PLANS += tests/shell/shell.plan
# Build tools (the initramfs packer).
TEST_PLANS += scripts/tests/scripts.plan
