"""The optional written answer: a language model writes from the chosen quotations; every sentence is checked."""
