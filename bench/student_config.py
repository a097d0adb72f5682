"""Writes a student's config.json: the teacher's, with the shape SHAPE (as L4-H384-A12-F768) put in.

Usage: python3 bench/student_config.py TEACHER_CONFIG SHAPE OUT
"""
import json
import re
import sys

config = json.load(open(sys.argv[1]))
layers, hidden, heads, ffn = map(int, re.fullmatch(r"L(\d+)-H(\d+)-A(\d+)-F(\d+)", sys.argv[2]).groups())
config.update(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads, intermediate_size=ffn)
json.dump(config, open(sys.argv[3], "w"), indent=1)
