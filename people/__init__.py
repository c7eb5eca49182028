"""The office's people: roles, who may do what, access to pages, login and its throttle, the head's people page."""
