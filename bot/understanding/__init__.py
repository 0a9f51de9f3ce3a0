"""Understanding a question: from what someone typed to a decision about which topic it asks for."""
