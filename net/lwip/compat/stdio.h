/* lwIP includes <stdio.h> for nothing it uses in Alto's configuration. */
