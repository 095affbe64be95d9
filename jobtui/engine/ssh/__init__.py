"""The SSH Location: jobs on other machines, through the user's own OpenSSH client.

A small agent, sent over the connection with every call, runs each job detached on the host
(its own session, output to files there) and reads its output back by byte offset. Location
is the host. See ``remote_agent.py`` for what lives on the far side.
"""
