# Turns a text file into a C source defining uh_default_graph[] (NUL-ended)
# and uh_default_graph_len.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* Generated from graphs/default.json; do not edit. */\n#include <stddef.h>\nextern const char uh_default_graph[];\nextern const size_t uh_default_graph_len;\nconst char uh_default_graph[] = {\n${body}0x00};\nconst size_t uh_default_graph_len = ${bytes};\n")
