FROM alpine
COPY <<A <<B /dest/
first
A
second
B
RUN <<ONE bash && cat <<TWO
echo one
ONE
two
TWO
