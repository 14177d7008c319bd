"""The only package that opens sockets: DNS, and later SMTP, IMAP, POP3 and TLS inspection."""
