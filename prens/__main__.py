from prens.cli import main

main()
