# escape=`
FROM alpine
RUN <<EOF
line with backslash \
line with backtick `

  # escape=\
EOF
