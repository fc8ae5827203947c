FROM alpine
ENV A=1
ENV B="two words" C=3
ENV D=four\ words
ENV E five words  here
ENV F='single $quoted' G="x\"y"
ENV H=
