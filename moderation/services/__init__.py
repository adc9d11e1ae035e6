"""Moderation's logic; services add and flush, views and commands commit."""
