FROM alpine
COPY a b c /dest/
COPY	"with space" /d
COPY ["with space", "/d/x y"]
ADD https://example.invalid/x.tgz /opt/
ADD --chown=1:1 --chmod=644 [ "f" , "/g" ]
