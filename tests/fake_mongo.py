"""A small MongoDB stand-in on a loopback port, for the outage tests.

Two behaviours:
- `answering`: speaks enough of the wire protocol (the OP_QUERY handshake, OP_MSG commands) for
  PyMongo to connect, and runs find, aggregate, insert, update, delete and findAndModify on an
  in-memory mongomock database, so a real `serve` can answer queries through it.
- `hung`: accepts connections and never answers, like a server that stopped responding.

`stop()` closes the listener and every connection (the store is lost); a new FakeMongo on the
same port brings it back. Each connection is served by a daemon thread; every wait is bounded.
"""

import contextlib
import socket
import struct
import threading
from datetime import UTC, datetime
from typing import Any

import bson
import mongomock

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
HEADER = struct.Struct("<iiii")
CODEC = bson.CodecOptions(tz_aware=False)
HANG_LIMIT = 60.0  # seconds a hung connection is held at most


class FakeMongo:
    def __init__(self, port: int, *, hung: bool = False,
                 client: mongomock.MongoClient | None = None) -> None:
        self.port = port
        self.hung = hung
        self.client = client or mongomock.MongoClient()
        self.commands: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._listener.settimeout(0.2)
        self._connections: list[socket.socket] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # mongomock is not thread-safe
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def __enter__(self) -> "FakeMongo":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- connections ----

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        if self.hung:
            self._stopping.wait(HANG_LIMIT)
            return
        try:
            while not self._stopping.is_set():
                header = self._read(connection, HEADER.size)
                length, request_id, _, opcode = HEADER.unpack(header)
                payload = self._read(connection, length - HEADER.size)
                connection.sendall(self._answer(request_id, opcode, payload))
        except (OSError, ConnectionError):
            connection.close()

    @staticmethod
    def _read(connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _answer(self, request_id: int, opcode: int, payload: bytes) -> bytes:
        if opcode == OP_QUERY:
            name_end = payload.index(b"\0", 4)  # after the flags: the collection name
            query = _first_document(payload[name_end + 9:])  # after skip and return counts
            body = bson.encode(self.run(query, "admin"))
            reply = struct.pack("<iqii", 0, 0, 0, 1) + body
            return HEADER.pack(HEADER.size + len(reply), 0, request_id, OP_REPLY) + reply
        command = _op_msg_command(payload)
        body = bson.encode(self.run(command, command.get("$db", "admin")))
        message = struct.pack("<I", 0) + b"\0" + body
        return HEADER.pack(HEADER.size + len(message), 0, request_id, OP_MSG) + message

    # ---- commands ----

    def run(self, command: dict[str, Any], db_name: str) -> dict[str, Any]:
        name = next(iter(command))
        self.commands.append(name)
        handler = getattr(self, f"cmd_{name.lower()}", None)
        if handler is None:
            return {"ok": 0.0, "errmsg": f"no such command: {name}", "code": 59,
                    "codeName": "CommandNotFound"}
        with self._lock:
            return {**handler(command, self.client[db_name]), "ok": 1.0}

    def cmd_hello(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        return {"helloOk": True, "ismaster": True, "isWritablePrimary": True,
                "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
                "maxWriteBatchSize": 100_000, "localTime": datetime.now(UTC),
                "logicalSessionTimeoutMinutes": 30, "connectionId": 1,
                "minWireVersion": 0, "maxWireVersion": 21, "readOnly": False}

    cmd_ismaster = cmd_hello

    def cmd_ping(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        return {}

    cmd_endsessions = cmd_ping
    cmd_killcursors = cmd_ping
    cmd_createindexes = cmd_ping

    def cmd_buildinfo(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        return {"version": "7.0.0", "versionArray": [7, 0, 0, 0]}

    def cmd_find(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        collection = db[command["find"]]
        cursor = collection.find(command.get("filter") or {}, command.get("projection"))
        if command.get("sort"):
            cursor = cursor.sort(list(command["sort"].items()))
        cursor = cursor.skip(command.get("skip", 0)).limit(abs(command.get("limit", 0)))
        return _cursor(db, command["find"], list(cursor))

    def cmd_aggregate(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        rows = list(db[command["aggregate"]].aggregate(command.get("pipeline") or []))
        return _cursor(db, command["aggregate"], rows)

    def cmd_insert(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        documents = command.get("documents") or []
        if documents:
            db[command["insert"]].insert_many(documents)
        return {"n": len(documents)}

    def cmd_update(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        matched = modified = 0
        for update in command.get("updates") or []:
            collection = db[command["update"]]
            apply = collection.update_many if update.get("multi") else collection.update_one
            result = apply(update["q"], update["u"], upsert=update.get("upsert", False))
            matched += result.matched_count
            modified += result.modified_count
        return {"n": matched, "nModified": modified}

    def cmd_delete(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        removed = 0
        for delete in command.get("deletes") or []:
            collection = db[command["delete"]]
            apply = collection.delete_one if delete.get("limit") == 1 else collection.delete_many
            removed += apply(delete["q"]).deleted_count
        return {"n": removed}

    def cmd_findandmodify(self, command: dict[str, Any], db: Any) -> dict[str, Any]:
        collection = db[command["findAndModify"]]
        value = collection.find_one_and_update(
            command.get("query") or {}, command["update"], upsert=command.get("upsert", False),
            return_document=bool(command.get("new")),
        )
        return {"value": value, "lastErrorObject": {"n": int(value is not None)}}


def _cursor(db: Any, collection: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cursor": {"id": 0, "ns": f"{db.name}.{collection}", "firstBatch": rows}}


def _first_document(data: bytes) -> dict[str, Any]:
    (size,) = struct.unpack("<i", data[:4])
    document: dict[str, Any] = bson.decode(data[:size], CODEC)
    return document


def _op_msg_command(payload: bytes) -> dict[str, Any]:
    """The body section, with the document sequences (kind 1) added as lists."""
    offset, command, sequences = 4, None, {}
    while offset < len(payload):
        kind = payload[offset]
        offset += 1
        if kind == 0:
            (size,) = struct.unpack("<i", payload[offset:offset + 4])
            command = bson.decode(payload[offset:offset + size], CODEC)
            offset += size
        else:
            (size,) = struct.unpack("<i", payload[offset:offset + 4])
            section = payload[offset + 4:offset + size]
            name_end = section.index(b"\0")
            identifier = section[:name_end].decode()
            documents, at = [], name_end + 1
            while at < len(section):
                (doc_size,) = struct.unpack("<i", section[at:at + 4])
                documents.append(bson.decode(section[at:at + doc_size], CODEC))
                at += doc_size
            sequences[identifier] = documents
            offset += size
    assert command is not None
    return {**command, **sequences}
