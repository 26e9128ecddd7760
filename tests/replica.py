"""A real streaming replica of the local PostgreSQL, for the read replicas' tests
(tests/test_read_replicas.py) and for trying replicas by hand:

    python tests/replica.py    # prints the replica's port, serves it until Ctrl-C

pg_basebackup copies the primary's whole cluster into a temporary folder and writes the
standby's settings (-R); a second postgres serves it on a free loopback port, in hot standby.
Replication is cluster-wide, so databases created on the primary later (the test database)
stream to it too. The primary must accept replication connections from 127.0.0.1 (pg_hba.conf:
`host replication all 127.0.0.1/32 trust`; .ci/run adds it). PostgreSQL refuses to run as
root: when run as root, the replica's commands run as the postgres user."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

PRIMARY = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


class ReplicaUnavailable(Exception):
    """What is needed to start a replica is missing (a program, or replication access)."""


def _as_postgres():
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _program(name, major):
    """The program of the primary's major version (Debian keeps them per version)."""
    for candidate in (f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ReplicaUnavailable(f"{name} not found (the PostgreSQL {major} server package has it)")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query(sql, *, port=PRIMARY["port"], dbname="postgres"):
    """One row of `sql`, on its own autocommit connection."""
    connection = psycopg2.connect(**{**PRIMARY, "port": port, "dbname": dbname})
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()
    finally:
        connection.close()


class Replica:
    def __init__(self, port, data):
        self.port, self.data = port, data

    def wait_for_replay(self, timeout=10):
        """Returns once the replica has replayed everything the primary has written so far."""
        (lsn,) = query("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while not query(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'", port=self.port)[0]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica has not replayed {lsn} in {timeout} s")
            time.sleep(0.02)

    @contextlib.contextmanager
    def frozen(self):
        """Every process of the replica stops (SIGSTOP) until the block ends: connections are
        still accepted and acknowledged by the kernel, but nothing answers, as when a virtual
        machine or a disk hangs. SIGCONT whatever happens."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        processes = [postmaster, *_children(postmaster)]
        for pid in processes:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield self
        finally:
            for pid in processes:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    @contextlib.contextmanager
    def paused(self):
        """The replica stops replaying the primary's writes until the block ends: it lags."""
        query("SELECT pg_wal_replay_pause()", port=self.port)
        try:
            yield
        finally:
            query("SELECT pg_wal_replay_resume()", port=self.port)


@contextlib.contextmanager
def streaming_replica():
    """Starts a hot standby of the local primary; yields a Replica; stops and removes it."""
    try:
        (version,) = query("SHOW server_version_num")
    except psycopg2.OperationalError as error:
        raise ReplicaUnavailable(f"no PostgreSQL on 127.0.0.1:5432 ({error})") from error
    major = int(version) // 10000
    basebackup, pg_ctl = _program("pg_basebackup", major), _program("pg_ctl", major)
    folder = Path(tempfile.mkdtemp(prefix="roadmap-replica-"))
    data, port = folder / "data", _free_port()
    # A replication slot of its own, made before the copy starts: the primary keeps every WAL
    # segment the copy and then the replica still need. (pg_basebackup's temporary slot comes a
    # moment after the copy's start, and under a load of writes, such as the other test
    # processes', a checkpoint in between removed a segment it needed.) Slots that a test
    # process left behind, killed before it could drop them, are dropped first: a slot no
    # replica reads keeps WAL for ever.
    _drop_slots_of_dead_processes()
    slot = f"{SLOT_PREFIX}{os.getpid()}_{port}"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        copy = subprocess.run(
            [*_as_postgres(), basebackup, "-h", PRIMARY["host"], "-p", str(PRIMARY["port"]),
             "-U", PRIMARY["user"], "-D", str(data), "-R", "-X", "stream", "-c", "fast",
             "-C", "-S", slot],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if copy.returncode != 0:
            raise ReplicaUnavailable(f"pg_basebackup failed: {copy.stderr.strip()}")
        # Debian keeps the primary's configuration outside its data folder: the replica gets
        # its own, as small as a test needs. Unsafe without fsync, and disposable.
        _write_as_postgres(
            data / "postgresql.conf",
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
            "hot_standby = on\nshared_buffers = 16MB\nfsync = off\nmax_connections = 100\n",
        )
        _write_as_postgres(
            data / "pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        with running(pg_ctl, data, folder / "log"):
            replica = Replica(port, data)
            replica.wait_for_replay()
            yield replica
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        query(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            f"WHERE slot_name = '{slot}' AND NOT active"
        )


@contextlib.contextmanager
def running(pg_ctl, data, log):
    """A PostgreSQL of the tests' own, serving the cluster in `data` until the block ends, then
    stopped at once (its data is disposable)."""
    subprocess.run(
        [*_as_postgres(), pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
        check=True, capture_output=True, timeout=90,
    )  # fmt: skip
    try:
        yield
    finally:
        subprocess.run(
            [*_as_postgres(), pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip


# The replication slots of the tests' replicas: one each, named after the test process and the
# replica's port.
SLOT_PREFIX = "roadmap_test_replica_"


def _drop_slots_of_dead_processes():
    connection = psycopg2.connect(**{**PRIMARY, "dbname": "postgres"})
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s AND NOT active",
                [f"{SLOT_PREFIX}%"],
            )
            for (slot,) in cursor.fetchall():
                pid = int(slot.removeprefix(SLOT_PREFIX).split("_")[0])
                if not _alive(pid):
                    cursor.execute("SELECT pg_drop_replication_slot(%s)", [slot])
    finally:
        connection.close()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _children(pid):
    """The processes that `pid` started (Linux)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _write_as_postgres(path, text):
    path.write_text(text)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


if __name__ == "__main__":
    with streaming_replica() as running:
        print(f"Replica of 127.0.0.1:5432 on 127.0.0.1:{running.port}; Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
