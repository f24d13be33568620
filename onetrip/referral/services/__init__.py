"""Every change in the referral domain, by concern: `referrals` (up, down, the referral office,
follow-ups), `contracts` (family doctor contracts), `consultations` (remote consultation and
readings) and `record` (the shared record across levels)."""
