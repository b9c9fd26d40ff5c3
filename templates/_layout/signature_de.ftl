--
Example Shop, Marktgasse 1, Bern
