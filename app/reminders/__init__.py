"""Reminder e-mails: `flask send-reminders` sends each action owner one digest a day of their
actions overdue or due within 7 days. No pages, so no blueprint: the area is its command."""
