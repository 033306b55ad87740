#!/usr/bin/env python3
"""Servers of the test world's internet that a bot on a guest talks to.

  world_servers.py stratum ADDRESS PORT   a mining pool: answers a Stratum
                                          JSON-RPC login or mining.subscribe
                                          with a job, as pools do
  world_servers.py irc ADDRESS PORT       an IRC server: welcomes NICK/USER,
                                          echoes JOIN, answers PING

Each line a client sends is logged to stdout, so a test can tell the
conversation took place. Only the first bytes of the protocols: enough for
a client to go on talking, and for nDPI to see what a real server says.
"""
import json
import socketserver
import sys


class Stratum(socketserver.StreamRequestHandler):
    def handle(self):
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            print("stratum:", line, flush=True)
            try:
                req = json.loads(line)
            except ValueError:
                return
            method = req.get("method")
            if method == "login":
                result = {"id": "1", "status": "OK",
                          "job": {"blob": "0606e89883d205a65d8ee78991838a1cf3ec2ebb", "job_id": "7",
                                  "target": "dc460300"}}
            elif method == "mining.subscribe":
                result = [[["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4]
            else:
                result = True
            reply = {"id": req.get("id"), "jsonrpc": "2.0", "error": None, "result": result}
            self.wfile.write((json.dumps(reply) + "\n").encode())


class Irc(socketserver.StreamRequestHandler):
    def handle(self):
        nick = "*"
        self.wfile.write(b":irc.world.example NOTICE * :*** Looking up your hostname...\r\n")
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            print("irc:", line, flush=True)
            words = line.split()
            if not words:
                continue
            cmd = words[0].upper()
            if cmd == "NICK" and len(words) > 1:
                nick = words[1]
            elif cmd == "USER":
                self.wfile.write(f":irc.world.example 001 {nick} :Welcome to the Internet Relay Network "
                                 f"{nick}\r\n".encode())
            elif cmd == "JOIN" and len(words) > 1:
                self.wfile.write(f":{nick}!{nick}@guest JOIN :{words[1]}\r\n".encode())
            elif cmd == "PING":
                self.wfile.write(f"PONG {' '.join(words[1:])}\r\n".encode())
            elif cmd == "QUIT":
                return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("stratum", "irc"):
        sys.exit(__doc__)
    handler = Stratum if sys.argv[1] == "stratum" else Irc
    with Server((sys.argv[2], int(sys.argv[3])), handler) as s:
        s.serve_forever()


if __name__ == "__main__":
    main()
