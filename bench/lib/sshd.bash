# Sourced by the scripts in bench/ that start a loopback OpenSSH sshd (exec, jump, latency): the configuration lines
# they share, so that every benchmark measures the same server.
#
#   bench_sshd_config WORK PIDFILE LOGLEVEL
#
# prints the lines after the `Port` lines: loopback only, the host key and authorized_keys of WORK, keys only, no
# PAM, `SetEnv SHLVL=1` (root's ~/.bashrc on these machines runs pyenv init for every command; bash skips it when
# SHLVL is set), and a MaxStartups high enough that no client's burst of connections is dropped.
bench_sshd_config() { # work pidfile loglevel
  cat <<CONF
ListenAddress 127.0.0.1
HostKey $1/host_ed25519
PidFile $2
AuthorizedKeysFile $1/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv SHLVL=1
MaxStartups 10000:30:10000
LogLevel $3
CONF
}
