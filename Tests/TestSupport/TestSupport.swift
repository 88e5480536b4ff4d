// Shared test harness: real processes (sshd, redis-server) started and stopped by the tests.
enum TestSupportModule {}
