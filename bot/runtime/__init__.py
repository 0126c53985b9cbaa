"""What runs inside the Rasa server process: the guarded channels, inbound checks and
rate limits, the socket.io delivery across processes, the tracker and lock stores with
their retries, the speed patches, the custom actions run in-process (production profile),
and the warm-up before a server listens."""
