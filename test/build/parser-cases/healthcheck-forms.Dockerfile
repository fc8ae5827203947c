FROM alpine
HEALTHCHECK NONE
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD curl -f http://localhost/ || exit 1
HEALTHCHECK CMD ["/bin/check", "--quiet"]
healthcheck cmd   a   b
HEALTHCHECK --start-period=5s --start-interval=1s CMD true
