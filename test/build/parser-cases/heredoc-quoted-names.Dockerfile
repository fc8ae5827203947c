FROM alpine
RUN <<'EOF'
echo $HOME
EOF
COPY <<"CONF" /etc/app.conf
path=$PATH
CONF
RUN <<E"N"D
x
END
RUN <<es\'c
y
es'c
