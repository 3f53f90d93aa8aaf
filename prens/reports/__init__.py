"""What is read out of the store for people: the citizen's status, the public list, the
dashboard's figures, the Berita Acara, the final list, and the files they are written to."""
