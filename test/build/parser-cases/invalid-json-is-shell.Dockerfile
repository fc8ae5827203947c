FROM alpine
CMD ['single', 'quotes']
CMD ["unterminated", "bracket"
CMD ["trailing"] text
RUN [ "a", ]
ENTRYPOINT "[\"inside\", \"a string\"]"
