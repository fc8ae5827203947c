FROM alpine
RUN <<-EOT
	if true; then
		echo indented
	fi
	EOT
