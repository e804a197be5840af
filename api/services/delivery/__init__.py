"""Delivering notices: webhooks (CloudEvents, signed per Standard Webhooks) and e-mail.

Cases record notices; the outbox holds those whose workflow task committed; the dispatcher
(`dispatcher.py`, in the worker process) fans each out to the subscriptions that may see its
case and sends them, with retries of its own, off every action's path.
"""
