FROM alpine
LABEL org.opencontainers.image.title="My App" version=1.0
LABEL maintainer Jane Doe <jane@example.invalid>
LABEL "quoted.key"=value
