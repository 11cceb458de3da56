"""`python -m kam`: the same command line as the `kam` script."""

from kam.launch import main

if __name__ == "__main__":
    main()
