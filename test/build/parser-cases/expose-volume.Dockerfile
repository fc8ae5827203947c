FROM alpine
EXPOSE 80 443/tcp 53/udp
EXPOSE $PORT
VOLUME /data /logs
VOLUME ["/var/lib/app", "/tmp/x y"]
