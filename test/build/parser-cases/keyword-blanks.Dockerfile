FROM	alpine
   RUN    echo   spaced   
	CMD		echo tabbed	
