"""Helpers for responses from Django's test client."""


def drain(response) -> bytes:
    """Read a response to the end so it closes the way the test client means it to.

    The test client closes an ordinary response itself, with ``close_old_connections`` detached
    from ``request_finished``; calling ``response.close()`` again fires that signal for real and
    closes the database connection under the test's transaction (PostgreSQL then fails every
    later query; SQLite's in-memory test database never closes, which hides it). A streamed
    response (a file) closes itself, likewise detached, once its content has been read.
    """
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
