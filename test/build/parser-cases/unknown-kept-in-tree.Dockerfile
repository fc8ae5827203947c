FROM alpine
FORM alpine
frobnicate --x=1 a b
