"""The journal explorer's views by name: here, without pandas, so that the CLI's help can list them."""

from __future__ import annotations

__all__ = ["VIEWS"]

#: view name -> what it answers
VIEWS: dict[str, str] = {
    "volume": "how much mail per period, account and direction",
    "correspondents": "who the mail is exchanged with (by domain)",
    "failures": "which recipients a send did not reach, and why",
    "response_times": "how long inbound mail waits for the first reply",
    "authentication": "SPF, DKIM and DMARC results of inbound mail per domain",
    "attachments": "attachments by type and size",
    "runs": "how the sync runs went per account and folder",
    "records": "mail per ERP record, and which await a reply",
    "smime": "S/MIME: signed, valid and encrypted shares per direction",
}
