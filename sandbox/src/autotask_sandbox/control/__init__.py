"""The test-control plane: ``sb.control`` in Python and ``/_sandbox/…`` over HTTP (``plane``)."""
