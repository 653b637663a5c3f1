#!/usr/bin/env python3
"""Prints every message of a Maildir as one JSON object per line, parsed by Python's email
package (a real MIME parser): decoded headers, each leaf part with its content type, transfer
encoding, charset and decoded text, and the links of the HTML parts. Optionally writes the
first message's HTML part to --html-out."""
import argparse
import email
import email.policy
import json
import mailbox
from html.parser import HTMLParser


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "a":
            self.links.extend(v for k, v in attrs if k == "href")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("--html-out")
    args = parser.parse_args()
    box = mailbox.Maildir(args.maildir, create=False)
    messages = []
    for key in box.keys():
        with box.get_file(key) as f:
            messages.append(email.message_from_binary_file(f, policy=email.policy.default))
    messages.sort(key=lambda m: str(m["Date"]))
    html_written = False
    for msg in messages:
        parts = []
        links = []
        tags = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            text = part.get_content()
            parts.append({
                "content_type": part.get_content_type(),
                "encoding": part.get("Content-Transfer-Encoding", ""),
                "charset": part.get_content_charset(),
                "text": text,
            })
            if part.get_content_type() == "text/html":
                found = Links()
                found.feed(text)
                links.extend(found.links)
                tags.extend(sorted(found.tags))
                if args.html_out and not html_written:
                    with open(args.html_out, "w", encoding="utf-8") as out:
                        out.write(text)
                    html_written = True
        print(json.dumps({
            "subject": str(msg["Subject"]),
            "raw_subject": next((v for k, v in msg.raw_items() if k.lower() == "subject"), ""),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "date": str(msg["Date"]),
            "message_id": str(msg["Message-ID"]),
            "list_id": str(msg.get("List-Id", "")),
            "content_type": msg.get_content_type(),
            "defects": len(msg.defects),
            "parts": parts,
            "links": links,
            "html_tags": tags,
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
