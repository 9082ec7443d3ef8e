"""The dev stack's SMTP sink: accepts every message on loopback and stores it as one
.eml file per message (named by arrival), so tests can read what was sent.

    python3 dev/smtp_sink.py --port 1025 --dir .state/smtp/mail
"""
import argparse
import pathlib
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            name = f"{time.time_ns()}.eml"
            tmp = self.folder / (name + ".tmp")
            tmp.write_bytes(envelope.original_content or envelope.content)
            tmp.rename(self.folder / name)  # whole files only
        return "250 Message accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=1025)
    p.add_argument("--dir", required=True)
    a = p.parse_args()
    folder = pathlib.Path(a.dir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Store(folder), hostname="127.0.0.1", port=a.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
