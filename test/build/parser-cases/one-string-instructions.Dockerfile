FROM alpine
WORKDIR /path with spaces
USER app:app
STOPSIGNAL SIGTERM
MAINTAINER Jane Doe <jane@example.invalid>
