

FROM alpine

# comment

RUN a \
  b \

  c

COPY <<EOF /x
1
2
EOF
CMD z