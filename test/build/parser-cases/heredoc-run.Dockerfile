FROM alpine
RUN <<EOF
set -e
echo "hello \
world"
# a comment inside the body
EOF
RUN echo after
