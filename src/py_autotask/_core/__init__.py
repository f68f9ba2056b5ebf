"""The sans-I/O core shared by `AutotaskClient` and `AsyncAutotaskClient`.

Nothing here opens a socket or sleeps. `config` validates settings and URLs, `routes` decides which URL
serves an operation, `requests` builds calls and httpx requests, `paging` decides the next page,
`errors` maps answers to exceptions, `retry` decides retries, `zones` parses zone lookups, `flights` lets
one caller fetch the zone or a piece of metadata while others wait for it, and `flow` strings them
together as generators that the two clients drive with their own I/O.
"""
