from cdpctl.cli import main

main()
