"""Typed HTTP clients for the services the actions call, over one shared `ServiceClient`."""
