#!/bin/bash
# Agent start: authorises the controller's public key, gives jenkins the mounted
# Docker socket's group, installs or creates the SSH host key, then runs sshd.
set -euo pipefail

socket="${DOCKER_SOCKET:-/var/run/docker.sock}"
host_key_file="${SSH_HOST_KEY_FILE:-/run/secrets/agent-ssh-host-key}"

fail() { echo "agent-entrypoint: $1" >&2; exit 2; }

[ -n "${JENKINS_AGENT_SSH_PUBKEY:-}" ] || fail "JENKINS_AGENT_SSH_PUBKEY is empty; set it to the controller's SSH public key"

install -d -m 0700 -o jenkins -g jenkins /home/jenkins/.ssh
printf '%s\n' "$JENKINS_AGENT_SSH_PUBKEY" > /home/jenkins/.ssh/authorized_keys
chown jenkins:jenkins /home/jenkins/.ssh/authorized_keys
chmod 0600 /home/jenkins/.ssh/authorized_keys

if [ -S "$socket" ]; then
  gid="$(stat -c %g "$socket")"
  group="$(getent group "$gid" | cut -d: -f1 || true)"
  if [ -z "$group" ]; then
    group=docker-host
    groupadd --gid "$gid" "$group"
  fi
  usermod --append --groups "$group" jenkins
else
  echo "agent-entrypoint: no Docker socket at $socket; jobs that call docker will fail" >&2
fi

# A host key handed in as a file keeps the agent's identity across re-creation, so the
# controller can pin it; without one, a fresh key is made for this container.
if [ -f "$host_key_file" ]; then
  install -m 0600 "$host_key_file" /etc/ssh/ssh_host_ed25519_key
  ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
elif [ ! -f /etc/ssh/ssh_host_ed25519_key ]; then
  ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi

exec /usr/sbin/sshd -D -e
