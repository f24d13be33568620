"""Sandbox payment providers: stand-ins for WeChat Pay's and Alipay's servers that speak their
wire formats (request/response bodies, signed notifications, order query, refund, daily
statements). Billing's channel adapters call them where production would make an HTTPS call."""
