from alpine as Base
Run echo one
cOpY a b
workdir /w
